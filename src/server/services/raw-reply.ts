/** A non-JSON answer (CSV, HTML, PDF): a service returns one and the HTTP layer sends it as is. */
export class RawReply {
  constructor(
    readonly contentType: string,
    readonly body: string | Buffer,
    /** Suggested file name (Content-Disposition: attachment). */
    readonly filename?: string,
  ) {}
}
