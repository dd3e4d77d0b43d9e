/**
 * The voice message: End User Messaging's SendVoiceMessage has Amazon Polly speak MessageBody, given as
 * TEXT or as SSML. It is sent as SSML: in plain text Polly reads "042917" as a number ("forty-two
 * thousand…") and runs the digits together, while SSML lets each digit be spoken on its own with a
 * pause after it, in any language's voice (<break> is available to every Polly voice; <say-as> is not).
 * The template stays plain text: everything in it and every value is escaped into the SSML, so a
 * template cannot inject markup, and the code is spoken digit by digit wherever {code} stands (the
 * templates say it twice).
 */
import { escapeHtml } from './html.js';

export const VOICE_TEXT_TYPE = 'SSML';
/** SendVoiceMessage's limit on an SSML MessageBody, tags included. */
export const MAX_SSML_CHARS = 6000;

/** SendVoiceMessage's VoiceId values (API reference, VoiceId). */
export const VOICE_IDS: ReadonlySet<string> = new Set(
  (
    'AMY ASTRID BIANCA BRIAN CAMILA CARLA CARMEN CELINE CHANTAL CONCHITA CRISTIANO DORA EMMA ENRIQUE EWA FILIZ ' +
    'GERAINT GIORGIO GWYNETH HANS INES IVY JACEK JAN JOANNA JOEY JUSTIN KARL KENDRA KIMBERLY LEA LIV LOTTE LUCIA ' +
    'LUPE MADS MAJA MARLENE MATHIEU MATTHEW MAXIM MIA MIGUEL MIZUKI NAJA NICOLE PENELOPE RAVEENA RICARDO RUBEN ' +
    'RUSSELL SALLI SEOYEON TAKUMI TATYANA VICKI VITORIA ZEINA ZHIYU'
  ).split(' '),
);

/** SSML escapes as XML does; the HTML escaper writes the same five references. */
export const escapeSsml = escapeHtml;

/** The code as speech: each digit on its own, a pause after each, a longer one around the whole. */
export const spokenCode = (code: string): string =>
  `<break time="400ms"/>${[...code].map(escapeSsml).join('<break time="300ms"/>')}<break time="400ms"/>`;

/** The whole message as SendVoiceMessage's SSML body. */
export const speak = (inner: string): string => `<speak>${inner}</speak>`;
