/** `POST /v1/preview`: one photo on a template as a small JPEG, before paying for a batch. */

export async function fetchPreview(
  image: File,
  template: string,
  recipe: Record<string, unknown>,
  module: string,
  token: string | null,
): Promise<Blob> {
  const form = new FormData();
  form.append("image", image, image.name);
  form.append("template", template);
  form.append("recipe", JSON.stringify(recipe));
  form.append("module", module);
  const r = await fetch("/v1/preview", {
    method: "POST",
    body: form,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  if (!r.ok) {
    let data: unknown = null;
    try {
      data = await r.json();
    } catch {
      /* not JSON */
    }
    throw { status: r.status, data };
  }
  return r.blob();
}
