{{/* Names and labels shared by every template. */}}
{{- define "ginkgo-live.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "ginkgo-live.fullname" -}}
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

{{/* "<fullname>-<component>", 63 chars at most. Call with (dict "root" $ "component" "operator"). */}}
{{- define "ginkgo-live.componentName" -}}
{{- printf "%s-%s" (include "ginkgo-live.fullname" .root | trunc 45 | trimSuffix "-") .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "ginkgo-live.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "ginkgo-live.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: ginkgo-live
{{- end -}}

{{/* Selector labels of one component. Call with (dict "root" $ "component" "operator"). */}}
{{- define "ginkgo-live.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ginkgo-live.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "ginkgo-live.componentLabels" -}}
{{ include "ginkgo-live.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "ginkgo-live.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "ginkgo-live.serviceAccountName" -}}
{{- if .root.Values.serviceAccount.create -}}
{{- include "ginkgo-live.componentName" . -}}
{{- else -}}
default
{{- end -}}
{{- end -}}

{{- define "ginkgo-live.watchNamespace" -}}
{{- default .Release.Namespace .Values.watchNamespace -}}
{{- end -}}

{{- define "ginkgo-live.runtimeSettingsName" -}}
{{- include "ginkgo-live.componentName" (dict "root" . "component" "runtime-settings") -}}
{{- end -}}

{{/* Secret-backed connection env. Call with (dict "root" $ "keys" (list "kafkaBrokers" "mysqlUrl")). */}}
{{- define "ginkgo-live.connectionEnv" -}}
{{- $c := .root.Values.connections -}}
{{- $envNames := dict "kafkaBrokers" "KAFKA_BROKERS" "redisUrl" "REDIS_URL" "mysqlUrl" "MYSQL_URL" -}}
{{- range .keys }}
- name: {{ get $envNames . }}
  valueFrom:
    secretKeyRef:
      name: {{ $c.existingSecret }}
      key: {{ get $c.keys . }}
{{- end }}
{{- end -}}

{{/* Env shared by every process: log level and the runtime settings file. */}}
{{- define "ginkgo-live.commonEnv" -}}
- name: LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
{{- if .Values.runtimeSettings.enabled }}
- name: RUNTIME_SETTINGS_FILE
  value: /etc/ginkgo-live/runtime/settings.json
- name: RUNTIME_SETTINGS_POLL_MS
  value: {{ .Values.runtimeSettings.pollIntervalMs | quote }}
{{- end }}
{{- end -}}

{{/* The runtime settings volume mount / volume (only when enabled). */}}
{{- define "ginkgo-live.runtimeSettingsMount" -}}
{{- if .Values.runtimeSettings.enabled }}
- name: runtime-settings
  mountPath: /etc/ginkgo-live/runtime
  readOnly: true
{{- end }}
{{- end -}}

{{- define "ginkgo-live.runtimeSettingsVolume" -}}
{{- if .Values.runtimeSettings.enabled }}
- name: runtime-settings
  configMap:
    name: {{ include "ginkgo-live.runtimeSettingsName" . }}
{{- end }}
{{- end -}}

{{/* Probes on the health port. Call with the port number. */}}
{{- define "ginkgo-live.probes" -}}
startupProbe:
  httpGet: { path: /livez, port: health }
  periodSeconds: 2
  failureThreshold: 60
livenessProbe:
  httpGet: { path: /livez, port: health }
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
readinessProbe:
  httpGet: { path: /readyz, port: health }
  periodSeconds: 5
  timeoutSeconds: 3
  failureThreshold: 2
{{- end -}}

{{/* Preferred spread over Kubernetes nodes. Call with (dict "root" $ "component" "operator" "hard" false). */}}
{{- define "ginkgo-live.antiAffinity" -}}
podAntiAffinity:
{{- if .hard }}
  requiredDuringSchedulingIgnoredDuringExecution:
    - topologyKey: kubernetes.io/hostname
      labelSelector:
        matchLabels:
          {{- include "ginkgo-live.selectorLabels" . | nindent 10 }}
{{- else }}
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "ginkgo-live.selectorLabels" . | nindent 12 }}
{{- end }}
{{- end -}}

{{/* Reference data replacing the bundled files: the ConfigMap, its mount, the env naming the files, a checksum. */}}
{{- define "ginkgo-live.referenceDataName" -}}
{{ include "ginkgo-live.fullname" . }}-reference-data
{{- end -}}

{{- define "ginkgo-live.referenceDataMount" -}}
{{- if .Values.referenceData.files }}
- name: reference-data
  mountPath: /etc/ginkgo-live/reference-data
  readOnly: true
{{- end }}
{{- end -}}

{{- define "ginkgo-live.referenceDataVolume" -}}
{{- if .Values.referenceData.files }}
- name: reference-data
  configMap:
    name: {{ include "ginkgo-live.referenceDataName" . }}
{{- end }}
{{- end -}}

{{- define "ginkgo-live.referenceDataEnv" -}}
{{- if .Values.referenceData.files }}
{{- $paths := list }}
{{- range $name := keys .Values.referenceData.files | sortAlpha }}
{{- $paths = append $paths (printf "/etc/ginkgo-live/reference-data/%s" $name) }}
{{- end }}
- name: REFERENCE_DATA_FILES
  value: {{ join "," $paths | quote }}
{{- end }}
{{- end -}}
