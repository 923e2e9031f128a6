{{/*
Names, labels and the per-service view every shared template works from.
*/}}

{{- define "omni.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "omni.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Name of one component's objects: <fullname>-<component>. Args: (list root component) */}}
{{- define "omni.componentName" -}}
{{- printf "%s-%s" (include "omni.fullname" (index . 0)) (index . 1) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* A gRPC component's headless Service: <fullname>-<component>-headless. Args: (list root component) */}}
{{- define "omni.headlessName" -}}
{{- printf "%s-headless" (include "omni.componentName" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* What a caller dials: every ready pod of the callee (round robin). Args: (list root component) */}}
{{- define "omni.grpcTarget" -}}
{{- printf "dns:///%s:%v" (include "omni.headlessName" .) (index . 0).Values.ports.grpc -}}
{{- end -}}

{{- define "omni.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Minimal selector: name + instance + component. Args: dict root, component */}}
{{- define "omni.selectorLabels" -}}
app.kubernetes.io/name: {{ include "omni.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Recommended labels. Args: dict root, component, version (optional) */}}
{{- define "omni.labels" -}}
{{ include "omni.selectorLabels" . }}
app.kubernetes.io/part-of: omni
app.kubernetes.io/version: {{ default .root.Chart.AppVersion .version | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ include "omni.chart" .root }}
{{- end -}}

{{/* Labels every pod of this release carries (used by the release-wide NetworkPolicies). */}}
{{- define "omni.releaseSelector" -}}
app.kubernetes.io/name: {{ include "omni.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/*
Deep merge of two maps, right wins, returned as JSON. Unlike sprig's merge, an
explicit false / 0 / "" on the right does override the left.
Args: (list left right)
*/}}
{{- define "omni.deepMerge" -}}
{{- $out := deepCopy (index . 0) -}}
{{- range $k, $v := (index . 1) -}}
{{- $cur := index $out $k -}}
{{- if and (kindIs "map" $v) (kindIs "map" $cur) -}}
{{- $_ := set $out $k (include "omni.deepMerge" (list $cur $v) | fromJson) -}}
{{- else -}}
{{- $_ := set $out $k $v -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/*
One service's effective settings: serviceDefaults overlaid with services.<name>,
plus everything derived from the name. Returned as JSON. Args: dict root, name
*/}}
{{- define "omni.service" -}}
{{- $root := .root -}}
{{- $name := .name -}}
{{- $svc := include "omni.deepMerge" (list $root.Values.serviceDefaults (index $root.Values.services $name)) | fromJson -}}
{{- $image := include "omni.image" (dict "root" $root "name" $name "image" $svc.image "at" (printf "services.%s" $name)) | fromJson -}}
{{- $mongo := $svc.mongodb | default dict -}}
{{- $_ := set $svc "name" $name -}}
{{- $_ := set $svc "fullName" (include "omni.componentName" (list $root $name)) -}}
{{- $_ := set $svc "envPrefix" (printf "OMNI_%s_" (upper $name)) -}}
{{- $_ := set $svc "imageRef" $image.ref -}}
{{- $_ := set $svc "version" $image.tag -}}
{{- $_ := set $svc "pullPolicy" $image.pullPolicy -}}
{{- $_ := set $svc "logLevel" ($svc.logLevel | default $root.Values.logLevel) -}}
{{- $_ := set $svc "mongoDatabase" ($mongo.database | default (printf "omni_%s" $name)) -}}
{{- $_ := set $svc "mongoSecret" (include "omni.secretName" (dict "root" $root "name" $mongo.existingSecret)) -}}
{{- $_ := set $svc "mongoKey" ($mongo.key | default (printf "%s-mongodb-uri" $name)) -}}
{{- toJson $svc -}}
{{- end -}}

{{/*
A component's image: <registry>/omni-<name>:<tag> unless its own `image` says otherwise, never
"latest". Returned as JSON {ref, tag, pullPolicy}. Args: dict root, name, image, at (the values
path named in errors)
*/}}
{{- define "omni.image" -}}
{{- $root := .root -}}
{{- $image := .image | default dict -}}
{{- $tag := $image.tag | default $root.Values.image.tag | default $root.Chart.AppVersion | toString -}}
{{- if regexMatch "(?i)^latest$" $tag -}}
{{- fail (printf "%s.image.tag: \"latest\" is not allowed; pin a version" .at) -}}
{{- end -}}
{{- $repo := $image.repository | default (printf "%s/omni-%s" $root.Values.image.registry .name) -}}
{{- $ref := printf "%s:%s" $repo $tag -}}
{{- if $image.digest -}}{{- $ref = printf "%s@%s" $ref $image.digest -}}{{- end -}}
{{- toJson (dict "ref" $ref "tag" $tag "pullPolicy" ($image.pullPolicy | default $root.Values.image.pullPolicy)) -}}
{{- end -}}

{{/* The Secret a reference points at: its own name, else the chart's dev Secret (dev.enabled), else secrets.existingSecret. Args: dict root, name */}}
{{- define "omni.secretName" -}}
{{- if .name -}}
{{- .name -}}
{{- else if .root.Values.dev.enabled -}}
{{- include "omni.componentName" (list .root "dev") -}}
{{- else -}}
{{- required "secrets.existingSecret: name the Secret that holds the MongoDB URIs and other secrets (see docs/operations.md)" .root.Values.secrets.existingSecret -}}
{{- end -}}
{{- end -}}

{{- define "omni.natsUrl" -}}
{{- if .Values.dev.enabled -}}
{{- printf "nats://%s:4222" (include "omni.componentName" (list . "nats")) -}}
{{- else -}}
{{- .Values.nats.url -}}
{{- end -}}
{{- end -}}

{{/* Security context every Omni container gets; not configurable on purpose. */}}
{{- define "omni.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "omni.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* NetworkPolicy ports from a list of numbers, TCP (and UDP when udp=true). Args: dict ports, udp */}}
{{- define "omni.npPorts" -}}
{{- range .ports }}
- protocol: TCP
  port: {{ . }}
{{- if $.udp }}
- protocol: UDP
  port: {{ . }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Egress rules every Omni pod needs: DNS, NATS, MongoDB, OTLP. Args: root */}}
{{- define "omni.commonEgress" -}}
{{- $eg := .Values.networkPolicy.egress -}}
{{- range $key := list "dns" "nats" "mongodb" "otlp" }}
{{- $rule := index $eg $key }}
- ports:
    {{- include "omni.npPorts" (dict "ports" $rule.ports "udp" (eq $key "dns")) | nindent 4 }}
  {{- with $rule.to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end -}}

{{/* The store node's settings (OMNI_STORE_NODE_*), as a ConfigMap's data. Args: root */}}
{{- define "omni.storeNodeConfig" -}}
{{- $node := .Values.storeNode -}}
OMNI_STORE_NODE_STORE_ID: {{ required "storeNode.storeId: the store (its stock location id) the node sells for" $node.storeId | quote }}
OMNI_STORE_NODE_TIME_ZONE: {{ $node.timeZone | quote }}
OMNI_STORE_NODE_HTTP_HOST: "0.0.0.0"
OMNI_STORE_NODE_HTTP_PORT: {{ $node.httpPort | quote }}
OMNI_STORE_NODE_JOURNAL_PATH: "/var/lib/omni/store-node.sqlite3"
OMNI_STORE_NODE_ORDER_ADDR: {{ $node.orderAddr | default (include "omni.grpcTarget" (list . "order")) | quote }}
OMNI_STORE_NODE_CATALOG_ADDR: {{ $node.catalogAddr | default (include "omni.grpcTarget" (list . "catalog")) | quote }}
{{- if and $node.catalogEvents (or .Values.dev.enabled (not .Values.nats.urlSecret.existingSecret)) }}
OMNI_STORE_NODE_NATS_URL: {{ include "omni.natsUrl" . | quote }}
{{- end }}
{{ include "omni.processConfig" (dict "root" . "prefix" "OMNI_STORE_NODE_" "logLevel" .Values.logLevel) }}
{{- range $key, $value := $node.env }}
OMNI_STORE_NODE_{{ $key }}: {{ $value | quote }}
{{- end }}
{{- end -}}
