-- Tracing (OpenTelemetry, on when OTEL_EXPORTER_OTLP_ENDPOINT is set), as W3C traceparent values,
-- NULL when tracing is off. A task keeps the span that submitted it: work a later request starts
-- on it (a merge, a pull request) joins the task's trace, from any instance. A webhook delivery
-- keeps the span that recorded its event: its sending is that span's child.
ALTER TABLE tasks ADD COLUMN traceparent TEXT;
ALTER TABLE webhook_deliveries ADD COLUMN traceparent TEXT;
