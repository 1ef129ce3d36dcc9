# Parley's secrets (Secrets Manager) and plain settings (SSM parameters), each named after the environment
# variable it becomes in the containers, so that the ECS module maps them one to one.

data "aws_caller_identity" "current" {}

resource "aws_kms_key" "secrets" {
  description             = "${var.name}: Secrets Manager secrets and SSM parameters"
  enable_key_rotation     = true
  deletion_window_in_days = 30

  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{
      Sid       = "AccountAdministers"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })

  tags = var.tags
}

resource "aws_kms_alias" "secrets" {
  name          = "alias/${var.name}-secrets"
  target_key_id = aws_kms_key.secrets.key_id
}

# Alphanumeric only: the values go into URLs (REDIS_URL) and headers without escaping, and 64 characters
# is far above Parley's minimum of 32 for the JWT secrets.
resource "random_password" "generated" {
  for_each = toset(["JWT_ACCESS_SECRET", "JWT_REFRESH_SECRET", "INTERNAL_SECRET", "REDIS_AUTH_TOKEN"])

  length  = 64
  special = false
}

locals {
  redis_auth_token = random_password.generated["REDIS_AUTH_TOKEN"].result

  secret_values = {
    JWT_ACCESS_SECRET  = random_password.generated["JWT_ACCESS_SECRET"].result
    JWT_REFRESH_SECRET = random_password.generated["JWT_REFRESH_SECRET"].result
    INTERNAL_SECRET    = random_password.generated["INTERNAL_SECRET"].result
    REDIS_AUTH_TOKEN   = local.redis_auth_token
    # TLS (rediss://) because the replication group encrypts in transit; the empty user is Redis's default.
    REDIS_URL         = "rediss://:${local.redis_auth_token}@${var.redis_endpoint}:${var.redis_port}/0"
    MONGO_URI         = var.mongodb_uri
    VAPID_PRIVATE_KEY = var.vapid_private_key
  }

  # Names are listed apart from the values: for_each keys must not derive from sensitive values.
  secret_names = ["JWT_ACCESS_SECRET", "JWT_REFRESH_SECRET", "INTERNAL_SECRET", "REDIS_AUTH_TOKEN", "REDIS_URL", "MONGO_URI", "VAPID_PRIVATE_KEY"]

  # What the containers read; REDIS_AUTH_TOKEN is kept for operators (redis-cli) and is in REDIS_URL already.
  container_secrets = ["JWT_ACCESS_SECRET", "JWT_REFRESH_SECRET", "INTERNAL_SECRET", "REDIS_URL", "MONGO_URI", "VAPID_PRIVATE_KEY"]

  setting_names = ["ALLOWED_ORIGINS", "PUBLIC_URL", "S3_BUCKET", "S3_REGION", "MEDIA_BASE_URL", "VAPID_PUBLIC_KEY", "VAPID_SUBJECT"]
  settings      = {
    ALLOWED_ORIGINS  = join(",", var.allowed_origins)
    PUBLIC_URL       = var.public_url
    S3_BUCKET        = var.s3_bucket
    S3_REGION        = var.s3_region
    MEDIA_BASE_URL   = var.media_base_url
    VAPID_PUBLIC_KEY = var.vapid_public_key
    VAPID_SUBJECT    = var.vapid_subject
  }
}

resource "aws_secretsmanager_secret" "this" {
  #checkov:skip=CKV2_AWS_57:These are shared signing keys and credentials, not database passwords a Lambda can rotate: rotating a JWT secret logs every user out, the Redis token changes in place (auth_token_update_strategy ROTATE), and the Mongo URI and VAPID keys are issued outside AWS. They are rotated deliberately: terraform apply -replace on the random_password.
  for_each = toset(local.secret_names)

  name                    = "${var.name}/${each.key}"
  description             = "Parley ${each.key} (${var.name})"
  kms_key_id              = aws_kms_key.secrets.arn
  recovery_window_in_days = var.recovery_window_days

  tags = var.tags
}

resource "aws_secretsmanager_secret_version" "this" {
  for_each = aws_secretsmanager_secret.this

  secret_id     = each.value.id
  secret_string = local.secret_values[each.key]
}

# SecureString even for plain settings: same key, no extra cost, and the values never show in the console.
resource "aws_ssm_parameter" "settings" {
  for_each = toset(local.setting_names)

  name        = "/${var.name}/${each.key}"
  description = "Parley ${each.key} (${var.name})"
  type        = "SecureString"
  key_id      = aws_kms_key.secrets.arn
  value       = local.settings[each.key]

  tags = var.tags
}
