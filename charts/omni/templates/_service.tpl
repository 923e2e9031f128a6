{{- define "omni.k8sService" -}}
{{- $root := .root -}}
{{- $svc := .svc -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ $svc.fullName }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "omni.labels" (dict "root" $root "component" $svc.name "version" $svc.version) | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "omni.selectorLabels" (dict "root" $root "component" $svc.name) | nindent 4 }}
  ports:
    {{- if eq $svc.protocol "http" }}
    - name: http
      port: {{ $root.Values.ports.http }}
      targetPort: http
      protocol: TCP
    {{- else }}
    - name: grpc
      port: {{ $root.Values.ports.grpc }}
      targetPort: grpc
      protocol: TCP
    {{- end }}
    - name: metrics
      port: {{ $root.Values.ports.metrics }}
      targetPort: metrics
      protocol: TCP
{{- end -}}

{{/* A gRPC service's headless Service: its DNS name answers every ready pod's address, so a
caller's channel (dns:///name:port, round robin) spreads over all replicas and finds new ones
when connections reach their max age. Only the gRPC port: a ServiceMonitor selecting it too
finds no metrics port here, so no pod is scraped twice. */}}
{{- define "omni.k8sHeadlessService" -}}
{{- $root := .root -}}
{{- $svc := .svc -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "omni.headlessName" (list $root $svc.name) }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "omni.labels" (dict "root" $root "component" $svc.name "version" $svc.version) | nindent 4 }}
spec:
  clusterIP: None
  selector:
    {{- include "omni.selectorLabels" (dict "root" $root "component" $svc.name) | nindent 4 }}
  ports:
    - name: grpc
      port: {{ $root.Values.ports.grpc }}
      targetPort: grpc
      protocol: TCP
{{- end -}}
