/** The text of a Slack message: the subject in bold, then the body, cut to stay short. Pure. */

/** Longest Slack text Patchhive sends (Slack shows about 4,000 characters before folding). */
export const MAX_SLACK_CHARS = 3000;

/** Escapes the three characters Slack's mrkdwn gives meaning to (&, <, >). */
export function escapeSlack(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** "*subject*\nbody", the body cut at a line end so the whole stays under MAX_SLACK_CHARS. */
export function slackText(subject: string, body: string): string {
  const head = `*${subject}*`;
  const room = MAX_SLACK_CHARS - head.length - 1;
  let text = body.trimEnd();
  if (text.length > room) {
    const cut = text.lastIndexOf('\n', room - 2);
    text = text.slice(0, cut > 0 ? cut : Math.max(0, room - 2)) + '\n…';
  }
  return text === '' ? head : `${head}\n${text}`;
}
