/**
 * A command's output as a person reads it on a terminal, without the terminal's controls. Test
 * runners colour their output and redraw progress lines even in CI, and the codes would reach the
 * review page, the API, n8n and the next agent's prompt (tokens spent on `\x1b[32m`). Only the
 * text kept is cleaned: the command itself runs as it would in CI.
 */

// In order: CSI (colours, cursor moves, erases: ESC [, parameters, intermediates, a final byte);
// OSC and the other string controls (hyperlinks, window titles: ESC ] … up to BEL or ESC \, or to
// the line's end when cut off); any other ESC sequence (character sets, keypad modes); an ESC left alone.
const terminalControls = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b[\]PX^_][^\x07\x1b\n]*(?:\x07|\x1b\\)?|\x1b[ -/]*[0-~]|\x1b/g;

/** `output` without terminal control sequences, each line as last drawn (a bare `\r` redraws it). */
export function plainText(output: string): string {
  return output.replace(terminalControls, '').replace(/\r\n/g, '\n').split('\n').map(lastDrawn).join('\n');
}

// A progress line (`12%\r50%\r100%`) is drawn over after each `\r`: the terminal shows the last drawing, and a trailing `\r` draws nothing.
function lastDrawn(line: string): string {
  return line.split('\r').findLast((drawing) => drawing !== '') ?? '';
}
