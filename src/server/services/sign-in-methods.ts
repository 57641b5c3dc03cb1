/** The sign-in methods this server offers, for the sign-in page (GET /api/v1/auth/methods). */
import type { AuthMethods } from '../../protocol/auth-methods.js';

export class SignInMethodsService {
  constructor(private readonly offered: AuthMethods) {}

  /** What the sign-in page shows: password and token forms, and the single sign-on button when configured. */
  methods(): AuthMethods {
    return this.offered;
  }
}
