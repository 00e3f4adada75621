/** Keep a job's progress live in the store while a page shows it: WebSocket with tickets, reconnecting. */
import { useEffect } from "react";

import { useEventsTicketMutation } from "../store/api";
import { connectionChanged, progressReceived } from "../store/progressSlice";
import { useAppDispatch } from "../store/store";
import { connectJobEvents } from "./jobSocket";

export function useJobEvents(jobId: string | undefined, enabled: boolean): void {
  const dispatch = useAppDispatch();
  const [ticket] = useEventsTicketMutation();
  useEffect(() => {
    if (!jobId || !enabled) return;
    return connectJobEvents(jobId, {
      getTicket: async () => (await ticket(jobId).unwrap()).ticket,
      onEvent: (event) => dispatch(progressReceived({ id: jobId, event })),
      onConnection: (connection, error) => dispatch(connectionChanged({ id: jobId, connection, error })),
    });
  }, [jobId, enabled, dispatch, ticket]);
}
