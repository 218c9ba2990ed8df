// parse-prometheus-text-format ships no types; its one function, as the metrics test uses it.
declare module 'parse-prometheus-text-format' {
  export default function parsePrometheusTextFormat(text: string): unknown[];
}
