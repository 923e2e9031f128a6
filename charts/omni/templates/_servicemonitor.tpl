{{- define "omni.servicemonitor" -}}
{{- $root := .root -}}
{{- $svc := .svc -}}
{{- $sm := $root.Values.monitoring.serviceMonitor -}}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ $svc.fullName }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "omni.labels" (dict "root" $root "component" $svc.name "version" $svc.version) | nindent 4 }}
    {{- with $sm.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  jobLabel: app.kubernetes.io/component
  namespaceSelector:
    matchNames:
      - {{ $root.Release.Namespace }}
  selector:
    matchLabels:
      {{- include "omni.selectorLabels" (dict "root" $root "component" $svc.name) | nindent 6 }}
  endpoints:
    - port: metrics
      path: /metrics
      scheme: http
      interval: {{ $sm.interval }}
      scrapeTimeout: {{ $sm.scrapeTimeout }}
{{- end -}}
