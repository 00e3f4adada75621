/**
 * Uploads with progress. fetch() cannot report upload progress, XMLHttpRequest can, so uploads go
 * through XHR: a ZIP streams as one `application/zip` body (PUT /jobs/{id}/upload), loose images go as
 * multipart (POST /jobs/{id}/files). Errors come back in the same shape RTK Query uses
 * (`{status, data}`), so `errorMessage` words both.
 */
import type { UploadResult } from "./types";

export interface UploadError {
  status: number | "FETCH_ERROR";
  data?: unknown;
}

export function isZip(file: File): boolean {
  return /\.zip$/i.test(file.name) || file.type === "application/zip" || file.type === "application/x-zip-compressed";
}

const IMAGE_NAME = /\.(jpe?g|png|webp|tiff?|bmp|heic|heif|avif)$/i;

/** Split dropped files into what the API takes (one ZIP, or images) and what it certainly won't. */
export function sortDropped(files: File[]): { zips: File[]; images: File[]; refused: { name: string; reason: string }[] } {
  const zips: File[] = [];
  const images: File[] = [];
  const refused: { name: string; reason: string }[] = [];
  for (const f of files) {
    if (isZip(f)) zips.push(f);
    else if (f.type.startsWith("image/") || IMAGE_NAME.test(f.name)) images.push(f);
    else refused.push({ name: f.name, reason: "not an image or a ZIP" });
  }
  return { zips, images, refused };
}

export function uploadJobInputs(
  jobId: string,
  files: File[],
  token: string | null,
  onProgress: (fraction: number) => void,
): { promise: Promise<UploadResult>; abort: () => void } {
  const xhr = new XMLHttpRequest();
  const single = files.length === 1 && isZip(files[0]);
  const base = `/v1/jobs/${encodeURIComponent(jobId)}`;
  let body: Document | XMLHttpRequestBodyInit;
  if (single) {
    xhr.open("PUT", `${base}/upload`);
    xhr.setRequestHeader("content-type", "application/zip");
    body = files[0];
  } else {
    xhr.open("POST", `${base}/files`);
    const form = new FormData();
    for (const f of files) form.append("files", f, f.name);
    body = form;
  }
  if (token) xhr.setRequestHeader("authorization", `Bearer ${token}`);
  xhr.responseType = "text";
  const promise = new Promise<UploadResult>((resolve, reject) => {
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let data: unknown = null;
      try {
        data = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        data = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve(data as UploadResult);
      } else reject({ status: xhr.status, data } satisfies UploadError);
    };
    xhr.onerror = () => reject({ status: "FETCH_ERROR" } satisfies UploadError);
    xhr.onabort = () => reject(new Error("Upload cancelled."));
  });
  xhr.send(body);
  return { promise, abort: () => xhr.abort() };
}
