{{/*
Per service: ingress only from the callers that need it (the gateway: from
networkPolicy.gatewayFrom, default anywhere), metrics only from
networkPolicy.metricsFrom; egress only to its callees, DNS, NATS, MongoDB, OTLP.
The release-wide default deny is in networkpolicy.yaml.
*/}}
{{- define "omni.networkpolicy" -}}
{{- $root := .root -}}
{{- $svc := .svc -}}
{{- $callers := list -}}
{{- range $other := keys $root.Values.services | sortAlpha -}}
{{- $o := include "omni.service" (dict "root" $root "name" $other) | fromJson -}}
{{- if has $svc.name ($o.calls | default list) -}}
{{- $callers = append $callers $other -}}
{{- end -}}
{{- end -}}
{{- $node := $root.Values.storeNode -}}
{{- if and $node.enabled (has $svc.name (list "order" "catalog")) (not (get $node (printf "%sAddr" $svc.name))) -}}
{{- $callers = append $callers "store-node" -}}
{{- end -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ $svc.fullName }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "omni.labels" (dict "root" $root "component" $svc.name "version" $svc.version) | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "omni.selectorLabels" (dict "root" $root "component" $svc.name) | nindent 6 }}
  policyTypes:
    - Ingress
    - Egress
  ingress:
    {{- if eq $svc.protocol "http" }}
    - ports:
        - protocol: TCP
          port: {{ $root.Values.ports.http }}
      {{- with $root.Values.networkPolicy.gatewayFrom }}
      from:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- end }}
    {{- if $callers }}
    - ports:
        - protocol: TCP
          port: {{ $root.Values.ports.grpc }}
      from:
        {{- range $callers }}
        - podSelector:
            matchLabels:
              {{- include "omni.selectorLabels" (dict "root" $root "component" .) | nindent 14 }}
        {{- end }}
    {{- end }}
    {{- if and $root.Values.demoData.enabled (eq $svc.protocol "http") }}
    # the demo data Job (templates/hooks/demo-data-job.yaml) loads through the gateway's API
    - ports:
        - protocol: TCP
          port: {{ $root.Values.ports.http }}
      from:
        - podSelector:
            matchLabels:
              {{- include "omni.selectorLabels" (dict "root" $root "component" "demo-data") | nindent 14 }}
    {{- end }}
    - ports:
        - protocol: TCP
          port: {{ $root.Values.ports.metrics }}
      {{- with $root.Values.networkPolicy.metricsFrom }}
      from:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- with $svc.networkPolicy.extraIngress }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  egress:
    {{- include "omni.commonEgress" $root | nindent 4 }}
    {{- if $svc.calls }}
    - ports:
        - protocol: TCP
          port: {{ $root.Values.ports.grpc }}
      to:
        {{- range $svc.calls | sortAlpha }}
        - podSelector:
            matchLabels:
              {{- include "omni.selectorLabels" (dict "root" $root "component" .) | nindent 14 }}
        {{- end }}
    {{- end }}
    {{- with $svc.networkPolicy.extraEgress }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end -}}
