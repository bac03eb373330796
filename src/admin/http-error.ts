// An Admin API answer other than an entity error: bad body, bad pagination, wrong method.
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message));
  }
}
