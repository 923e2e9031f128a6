{{/* What every Omni process reads (omni_kit.settings.ProcessSettings): logs, environment, traces
and metrics. Args: dict root, prefix (OMNI_<SERVICE>_), logLevel */}}
{{- define "omni.processConfig" -}}
{{- $root := .root -}}
{{- $p := .prefix -}}
{{ $p }}LOG_LEVEL: {{ .logLevel | quote }}
{{ $p }}ENVIRONMENT: {{ $root.Values.environment | quote }}
{{- with $root.Values.otel.endpoint }}
{{ $p }}OTLP_ENDPOINT: {{ . | quote }}
{{- end }}
{{- if not (kindIs "invalid" $root.Values.otel.sampleRatio) }}
{{ $p }}TRACE_SAMPLE_RATIO: {{ $root.Values.otel.sampleRatio | toString | quote }}
{{- end }}
{{- range $k, $v := $root.Values.otel.env }}
{{ $k }}: {{ $v | toString | quote }}
{{- end }}
{{ $p }}METRICS_HOST: "0.0.0.0"
{{ $p }}METRICS_PORT: {{ $root.Values.ports.metrics | quote }}
{{- end -}}

{{- define "omni.configmapData" -}}
{{- $root := .root -}}
{{- $svc := .svc -}}
{{- $p := $svc.envPrefix -}}
{{ include "omni.processConfig" (dict "root" $root "prefix" $p "logLevel" $svc.logLevel) }}
{{ $p }}MONGO_DATABASE: {{ $svc.mongoDatabase | quote }}
{{- if or $root.Values.dev.enabled (not $root.Values.nats.urlSecret.existingSecret) }}
{{ $p }}NATS_URL: {{ include "omni.natsUrl" $root | quote }}
{{- end }}
{{- with $root.Values.nats.streams }}
{{ $p }}STREAM_REPLICAS: {{ .replicas | int | quote }}
{{ $p }}STREAM_STORAGE: {{ .storage | quote }}
{{ $p }}EVENT_RETENTION_DAYS: {{ .retentionDays | toString | quote }}
{{ $p }}DEAD_LETTER_RETENTION_DAYS: {{ .deadLetterRetentionDays | toString | quote }}
{{- end }}
{{- if eq $svc.protocol "http" }}
{{ $p }}HTTP_HOST: "0.0.0.0"
{{ $p }}HTTP_PORT: {{ $root.Values.ports.http | quote }}
{{- with $svc.workers }}
{{ $p }}WORKERS: {{ . | int | quote }}
{{- end }}
{{ $p }}HSTS_MAX_AGE_SECONDS: {{ $root.Values.httpSecurity.hstsMaxAgeSeconds | int64 | quote }}
{{- with $root.Values.httpSecurity.corsAllowedOrigins }}
{{ $p }}CORS_ALLOWED_ORIGINS: {{ join "," . | quote }}
{{- end }}
{{- with $root.Values.httpSecurity.trustedProxies }}
{{ $p }}TRUSTED_PROXIES: {{ join "," . | quote }}
{{- end }}
{{- else }}
{{ $p }}GRPC_HOST: "0.0.0.0"
{{ $p }}GRPC_PORT: {{ $root.Values.ports.grpc | quote }}
{{- end }}
{{- range $callee := $svc.calls | sortAlpha }}
{{ $p }}{{ upper $callee }}_ADDR: {{ include "omni.grpcTarget" (list $root $callee) | quote }}
{{- end }}
{{- range $k, $v := $svc.env }}
{{ $p }}{{ $k }}: {{ $v | toString | quote }}
{{- end }}
{{- end -}}

{{- define "omni.configmap" -}}
{{- $root := .root -}}
{{- $svc := .svc -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ $svc.fullName }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "omni.labels" (dict "root" $root "component" $svc.name "version" $svc.version) | nindent 4 }}
data:
  {{- include "omni.configmapData" . | nindent 2 }}
{{- end -}}
