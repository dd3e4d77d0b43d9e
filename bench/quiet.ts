// Imported first by the bench: ESM evaluates imports before the importing module's body, so the
// environment that the logger and metrics read at import time must be set in a module of its own.
process.env.LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
