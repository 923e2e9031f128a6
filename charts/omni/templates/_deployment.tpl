{{/* Probe handler: gRPC health (grpc.health.v1) for services, HTTP for the gateway. Args: dict root, svc, path */}}
{{/* gRPC: readiness asks for the overall health (NOT_SERVING while the service's store or NATS
is unreachable); startup and liveness ask for "liveness", SERVING while the process runs, so
losing a dependency takes a pod out of its Service without restarting it. */}}
{{- define "omni.probeHandler" -}}
{{- if eq .svc.protocol "http" -}}
httpGet:
  path: {{ .path }}
  port: http
{{- else -}}
grpc:
  port: {{ .root.Values.ports.grpc }}
  {{- if .grpcService }}
  service: {{ .grpcService }}
  {{- end }}
{{- end -}}
{{- end -}}

{{- define "omni.deployment" -}}
{{- $root := .root -}}
{{- $svc := .svc -}}
{{- $p := $svc.envPrefix -}}
{{- $selector := dict "root" $root "component" $svc.name -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $svc.fullName }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "omni.labels" (dict "root" $root "component" $svc.name "version" $svc.version) | nindent 4 }}
spec:
  {{- if not $svc.autoscaling.enabled }}
  replicas: {{ $svc.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
  selector:
    matchLabels:
      {{- include "omni.selectorLabels" $selector | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "omni.labels" (dict "root" $root "component" $svc.name "version" $svc.version) | nindent 8 }}
        {{- with $svc.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        checksum/config: {{ include "omni.configmapData" . | sha256sum }}
        {{- if $root.Values.monitoring.scrapeAnnotations }}
        prometheus.io/scrape: "true"
        prometheus.io/port: {{ $root.Values.ports.metrics | quote }}
        prometheus.io/path: /metrics
        {{- end }}
        {{- with $svc.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ $svc.fullName }}
      automountServiceAccountToken: false
      enableServiceLinks: false
      terminationGracePeriodSeconds: {{ $svc.terminationGracePeriodSeconds }}
      {{- with $svc.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      securityContext:
        {{- include "omni.podSecurityContext" . | nindent 8 }}
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- range . }}
        - name: {{ . }}
        {{- end }}
      {{- end }}
      {{- with $svc.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $svc.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if ne $svc.podAntiAffinity.type "none" }}
      affinity:
        podAntiAffinity:
          {{- if eq $svc.podAntiAffinity.type "hard" }}
          requiredDuringSchedulingIgnoredDuringExecution:
            - topologyKey: {{ $svc.podAntiAffinity.topologyKey }}
              labelSelector:
                matchLabels:
                  {{- include "omni.selectorLabels" $selector | nindent 18 }}
          {{- else }}
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: {{ $svc.podAntiAffinity.topologyKey }}
                labelSelector:
                  matchLabels:
                    {{- include "omni.selectorLabels" $selector | nindent 20 }}
          {{- end }}
      {{- end }}
      {{- with $svc.topologySpreadConstraints }}
      topologySpreadConstraints:
        {{- range . }}
        - {{- toYaml . | nindent 10 }}
          {{- if not .labelSelector }}
          labelSelector:
            matchLabels:
              {{- include "omni.selectorLabels" $selector | nindent 14 }}
          {{- end }}
        {{- end }}
      {{- end }}
      containers:
        - name: {{ $svc.name }}
          image: {{ $svc.imageRef | quote }}
          imagePullPolicy: {{ $svc.pullPolicy }}
          ports:
            {{- if eq $svc.protocol "http" }}
            - name: http
              containerPort: {{ $root.Values.ports.http }}
              protocol: TCP
            {{- else }}
            - name: grpc
              containerPort: {{ $root.Values.ports.grpc }}
              protocol: TCP
            {{- end }}
            - name: metrics
              containerPort: {{ $root.Values.ports.metrics }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ $svc.fullName }}
          env:
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
            - name: OTEL_RESOURCE_ATTRIBUTES
              value: {{ printf "service.namespace=omni,service.version=%s,k8s.namespace.name=$(POD_NAMESPACE),k8s.pod.name=$(POD_NAME)" $svc.version | quote }}
            - name: {{ $p }}MONGO_URI
              valueFrom:
                secretKeyRef:
                  name: {{ $svc.mongoSecret }}
                  key: {{ $svc.mongoKey }}
            {{- if and $root.Values.nats.urlSecret.existingSecret (not $root.Values.dev.enabled) }}
            - name: {{ $p }}NATS_URL
              valueFrom:
                secretKeyRef:
                  name: {{ $root.Values.nats.urlSecret.existingSecret }}
                  key: {{ $root.Values.nats.urlSecret.key }}
            {{- end }}
            {{- if eq $svc.name "gateway" }}
            {{- $admin := $root.Values.admin }}
            {{- range $setting, $key := dict "ADMIN_USERNAME" $admin.usernameKey "ADMIN_PASSWORD" $admin.passwordKey }}
            - name: {{ $p }}{{ $setting }}
              valueFrom:
                secretKeyRef:
                  name: {{ include "omni.secretName" (dict "root" $root "name" $admin.existingSecret) }}
                  key: {{ $key }}
                  {{- if ne $root.Values.environment "production" }}
                  optional: true
                  {{- end }}
            {{- end }}
            {{- end }}
            {{- with $root.Values.otel.headers.existingSecret }}
            - name: {{ $p }}OTLP_HEADERS
              valueFrom:
                secretKeyRef:
                  name: {{ . }}
                  key: {{ $root.Values.otel.headers.key }}
            {{- end }}
            {{- range $k, $ref := $svc.secretEnv }}
            - name: {{ $p }}{{ $k }}
              valueFrom:
                secretKeyRef:
                  name: {{ include "omni.secretName" (dict "root" $root "name" $ref.existingSecret) }}
                  key: {{ $ref.key }}
                  {{- if $ref.optional }}
                  optional: true
                  {{- end }}
            {{- end }}
          startupProbe:
            {{- include "omni.probeHandler" (dict "root" $root "svc" $svc "path" "/healthz" "grpcService" "liveness") | nindent 12 }}
            {{- toYaml $svc.probes.startup | nindent 12 }}
          livenessProbe:
            {{- include "omni.probeHandler" (dict "root" $root "svc" $svc "path" "/healthz" "grpcService" "liveness") | nindent 12 }}
            {{- toYaml $svc.probes.liveness | nindent 12 }}
          readinessProbe:
            {{- include "omni.probeHandler" (dict "root" $root "svc" $svc "path" "/readyz") | nindent 12 }}
            {{- toYaml $svc.probes.readiness | nindent 12 }}
          {{- if $svc.preStopSleepSeconds }}
          lifecycle:
            preStop:
              exec:
                # let endpoints and the gateway's connections drain before SIGTERM
                command: ["sleep", "{{ $svc.preStopSleepSeconds }}"]
          {{- end }}
          resources:
            {{- toYaml $svc.resources | nindent 12 }}
          securityContext:
            {{- include "omni.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: {{ $svc.tmpSizeLimit }}
{{- end -}}
