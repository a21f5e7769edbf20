{{/* The release's name for every object: the release name, with "k8vent" added unless it has it. */}}
{{- define "k8vent.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "k8vent.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "k8vent.labels" -}}
{{ include "k8vent.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "k8vent.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "k8vent.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "k8vent.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding K8VENT_WEBHOOKS (and K8VENT_WEBHOOK_SECRET): the user's, or the chart's. */}}
{{- define "k8vent.secretName" -}}
{{- default (include "k8vent.fullname" .) .Values.existingSecret.name -}}
{{- end -}}

{{/* Fails the render with a message naming the values, for settings k8vent would refuse at start. */}}
{{- define "k8vent.validate" -}}
{{- if and (not .Values.existingSecret.name) (empty .Values.webhooks) -}}
{{- fail "k8vent needs webhooks: set webhooks (a list of URLs, e.g. --set 'webhooks[0]=https://webhook.atomist.com/atomist/kube/teams/TEAM_ID') or existingSecret.name (a Secret holding them)" -}}
{{- end -}}
{{- if and .Values.existingSecret.name (or .Values.webhooks .Values.webhookSecret) -}}
{{- fail "set either existingSecret.name or webhooks/webhookSecret, not both: the chart would ignore one of them" -}}
{{- end -}}
{{- if and (gt (int .Values.replicas) 1) (not .Values.leaderElection.enabled) -}}
{{- fail "replicas > 1 needs leaderElection.enabled=true: otherwise every replica sends every pod change" -}}
{{- end -}}
{{- range $i, $url := .Values.webhooks -}}
{{- if not (regexMatch "^https?://[^/@\\s]+(/[^\\s]*)?$" $url) -}}
{{- fail (printf "webhooks[%d] is not an absolute http(s) URL without user-info (user:password@)" $i) -}}
{{- end -}}
{{- end -}}
{{- end -}}
