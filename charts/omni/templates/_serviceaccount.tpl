{{- define "omni.serviceaccount" -}}
{{- $root := .root -}}
{{- $svc := .svc -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ $svc.fullName }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "omni.labels" (dict "root" $root "component" $svc.name "version" $svc.version) | nindent 4 }}
# Omni services never talk to the Kubernetes API.
automountServiceAccountToken: false
{{- end -}}
