{{- define "omni.pdb" -}}
{{- $root := .root -}}
{{- $svc := .svc -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $svc.fullName }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "omni.labels" (dict "root" $root "component" $svc.name "version" $svc.version) | nindent 4 }}
spec:
  {{- if hasKey $svc.pdb "minAvailable" }}
  minAvailable: {{ $svc.pdb.minAvailable }}
  {{- else if hasKey $svc.pdb "maxUnavailable" }}
  maxUnavailable: {{ $svc.pdb.maxUnavailable }}
  {{- else }}
  {{- fail (printf "services.%s.pdb: set maxUnavailable (e.g. 1) or minAvailable (e.g. 1 or \"50%%\")" $svc.name) }}
  {{- end }}
  unhealthyPodEvictionPolicy: AlwaysAllow
  selector:
    matchLabels:
      {{- include "omni.selectorLabels" (dict "root" $root "component" $svc.name) | nindent 6 }}
{{- end -}}

{{- define "omni.hpa" -}}
{{- $root := .root -}}
{{- $svc := .svc -}}
{{- $as := $svc.autoscaling -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ $svc.fullName }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "omni.labels" (dict "root" $root "component" $svc.name "version" $svc.version) | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ $svc.fullName }}
  minReplicas: {{ $as.minReplicas }}
  maxReplicas: {{ $as.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $as.targetCPUUtilizationPercentage }}
    {{- with $as.targetMemoryUtilizationPercentage }}
    - type: Resource
      resource:
        name: memory
        target:
          type: Utilization
          averageUtilization: {{ . }}
    {{- end }}
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 300
{{- end -}}
