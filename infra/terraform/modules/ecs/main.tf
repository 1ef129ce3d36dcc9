# One Fargate service per deployable, all running the same image: `parley serve --service <name>`. The
# gateway sits behind the load balancer; the services are reached by the gateway through Cloud Map names
# (http://<service>.<name>.internal:8080). The container definitions match infra/ecs-taskdef.json, from which
# the deploy pipeline registers the later revisions.

data "aws_caller_identity" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  namespace  = "${var.name}.internal"
  public     = "gateway"
  data_dir   = "/data" # the image's VOLUME, owned by its parley user

  private_services = { for name, s in var.services : name => s if name != local.public }

  # AUTH_URL, USERS_URL, ...: where the gateway reaches each service.
  service_urls = {
    for name in keys(local.private_services) : "${upper(name)}_URL" => "http://${name}.${local.namespace}:${var.container_port}"
  }

  base_environment = merge(var.environment, {
    HOST       = "0.0.0.0"
    PORT       = tostring(var.container_port)
    PARLEY_ENV = "production"
    DATA_DIR   = local.data_dir
  })

  # Only the services that may use the media bucket are told about it: Parley wants credentials for S3 as
  # soon as S3_BUCKET is set.
  media_settings = ["S3_BUCKET", "S3_REGION"]

  task_execution_source_arn = "arn:aws:ecs:${var.aws_region}:${local.account_id}:*"
}

# --- Cluster ----------------------------------------------------------------------------------------------------

resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  # ECS Exec is off on every service; should an operator turn it on, sessions are encrypted and logged.
  configuration {
    execute_command_configuration {
      kms_key_id = var.log_kms_key_arn
      logging    = "OVERRIDE"

      log_configuration {
        cloud_watch_encryption_enabled = true
        cloud_watch_log_group_name     = var.exec_log_group_name
      }
    }
  }

  tags = var.tags
}

resource "aws_service_discovery_private_dns_namespace" "this" {
  name        = local.namespace
  description = "Parley services of ${var.name}"
  vpc         = var.vpc_id

  tags = var.tags
}

resource "aws_service_discovery_service" "this" {
  for_each = local.private_services

  name = each.key

  dns_config {
    namespace_id   = aws_service_discovery_private_dns_namespace.this.id
    routing_policy = "MULTIVALUE"

    # Short TTL: a replaced task's address leaves the answers quickly.
    dns_records {
      type = "A"
      ttl  = 10
    }
  }

  # ECS reports the tasks' health (a stopped task is deregistered).
  health_check_custom_config {
    failure_threshold = 1
  }

  tags = var.tags
}

# --- IAM ----------------------------------------------------------------------------------------------------

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [local.task_execution_source_arn]
    }
  }
}

# The execution role is what ECS uses to start a task: pull the image, read the listed secrets and
# parameters into the environment, create the log streams. Nothing else.
resource "aws_iam_role" "execution" {
  name_prefix        = "${var.name}-exec-"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json

  tags = var.tags
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"] # not resource-scoped by AWS
    resources = ["*"]
  }

  statement {
    sid     = "PullParleyImage"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:GetDownloadUrlForLayer",
    ]
    resources = [var.image_repository_arn]
  }

  statement {
    sid       = "WriteLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [for arn in values(var.log_group_arns) : "${arn}:*"]
  }

  statement {
    sid       = "ReadSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = values(var.secret_arns)
  }

  statement {
    sid       = "ReadParameters"
    actions   = ["ssm:GetParameters"]
    resources = values(var.parameter_arns)
  }

  statement {
    sid       = "DecryptSecretsAndParameters"
    actions   = ["kms:Decrypt"]
    resources = [var.secrets_kms_key_arn]
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "start-parley-tasks"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# One task role per deployable, so that each has only what its code calls. Only media_access services may
# touch the media bucket: PutObject to presign uploads, GetObject for HEAD (S3 authorizes HEAD as
# GetObject) and for reads; no listing, no deletes.
resource "aws_iam_role" "task" {
  for_each = var.services

  name_prefix        = "${var.name}-${each.key}-"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json

  tags = merge(var.tags, { Service = each.key })
}

data "aws_iam_policy_document" "media" {
  statement {
    sid       = "MediaObjects"
    actions   = ["s3:PutObject", "s3:GetObject"]
    resources = ["${var.media_bucket_arn}/*"]
  }

  statement {
    sid       = "MediaEncryption"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [var.media_kms_key_arn]
  }
}

resource "aws_iam_role_policy" "media" {
  for_each = { for name, s in var.services : name => s if s.media_access }

  name   = "media-bucket"
  role   = aws_iam_role.task[each.key].id
  policy = data.aws_iam_policy_document.media.json
}

# --- Task definitions -------------------------------------------------------------------------------------------

resource "aws_ecs_task_definition" "this" {
  for_each = var.services

  family                   = "${var.name}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = each.value.cpu
  memory                   = each.value.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task[each.key].arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  # The root filesystem is read-only; these task-local volumes are the only writable paths.
  volume {
    name = "tmp"
  }

  volume {
    name = "data"
  }

  container_definitions = jsonencode([{
    name      = each.key
    image     = "${var.image_repository_url}:${var.image_tag}"
    essential = true

    # The image's ENTRYPOINT, spelled out: the process is `parley serve --service <name>`.
    entryPoint = ["parley"]
    command    = ["serve", "--service", each.key]

    user                   = var.container_user
    readonlyRootFilesystem = true

    portMappings = [{
      name          = "http"
      containerPort = var.container_port
      hostPort      = var.container_port
      protocol      = "tcp"
    }]

    environment = [
      for key, value in merge(local.base_environment, { for k, v in local.service_urls : k => v if each.key == local.public }) :
      { name = key, value = value }
    ]

    secrets = concat(
      [for key, arn in var.secret_arns : { name = key, valueFrom = arn }],
      [for key, arn in var.parameter_arns : { name = key, valueFrom = arn } if each.value.media_access || !contains(local.media_settings, key)],
    )

    mountPoints = [
      { sourceVolume = "tmp", containerPath = "/tmp", readOnly = false },
      { sourceVolume = "data", containerPath = local.data_dir, readOnly = false },
    ]

    # An init process reaps children and forwards SIGTERM, so that draining closes sockets cleanly.
    linuxParameters = { initProcessEnabled = true }
    stopTimeout     = 30

    # One descriptor per WebSocket.
    ulimits = [{ name = "nofile", softLimit = 65536, hardLimit = 65536 }]

    # Liveness only (/healthz); readiness (/readyz: MongoDB and Redis) is the load balancer's check, and a
    # database outage must not restart every container.
    healthCheck = {
      command     = ["CMD-SHELL", "curl -fsS -o /dev/null http://127.0.0.1:${var.container_port}/healthz || exit 1"]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = 30
    }

    logConfiguration = {
      logDriver = "awslogs"
      options   = {
        awslogs-group         = var.log_group_names[each.key]
        awslogs-region        = var.aws_region
        awslogs-stream-prefix = "parley"
        mode                  = "non-blocking" # a CloudWatch hiccup must not stall requests
        max-buffer-size       = "25m"
      }
    }
  }])

  tags = merge(var.tags, { Service = each.key })
}

# --- Services ---------------------------------------------------------------------------------------------------

resource "aws_ecs_service" "this" {
  for_each = var.services

  name             = each.key
  cluster          = aws_ecs_cluster.this.id
  task_definition  = aws_ecs_task_definition.this[each.key].arn
  desired_count    = each.value.desired_count
  launch_type      = "FARGATE"
  platform_version = "LATEST"

  enable_execute_command  = false
  enable_ecs_managed_tags = true
  propagate_tags          = "SERVICE"

  # Rolling deployments that never go below the running count, and go back to the last working task
  # definition when new tasks keep failing.
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [var.tasks_security_group_id]
    assign_public_ip = false
  }

  dynamic "load_balancer" {
    for_each = each.key == local.public ? [1] : []

    content {
      target_group_arn = var.target_group_arn
      container_name   = each.key
      container_port   = var.container_port
    }
  }

  dynamic "service_registries" {
    for_each = each.key == local.public ? [] : [aws_service_discovery_service.this[each.key].arn]

    content {
      registry_arn = service_registries.value
    }
  }

  health_check_grace_period_seconds = each.key == local.public ? 60 : null

  tags = merge(var.tags, { Service = each.key })

  lifecycle {
    # The autoscaling owns the count once the service exists, and the deploy pipeline
    # (.github/workflows/service-build-deploy.yml) the running revision: an apply must not roll the image back
    # to image_tag. A change made here to a task definition reaches the tasks with the next deploy.
    ignore_changes = [desired_count, task_definition]
  }
}

# --- Autoscaling ------------------------------------------------------------------------------------------------

resource "aws_appautoscaling_target" "this" {
  for_each = var.services

  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.this.name}/${aws_ecs_service.this[each.key].name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = each.value.min_count
  max_capacity       = each.value.max_count

  tags = var.tags
}

resource "aws_appautoscaling_policy" "cpu" {
  for_each = aws_appautoscaling_target.this

  name               = "${var.name}-${each.key}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = each.value.service_namespace
  resource_id        = each.value.resource_id
  scalable_dimension = each.value.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.cpu_target_percent
    scale_out_cooldown = 60
    scale_in_cooldown  = 300 # scaling the gateway in drops WebSockets (clients reconnect): not too eagerly

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

resource "aws_appautoscaling_policy" "gateway_requests" {
  name               = "${var.name}-gateway-requests"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this[local.public].service_namespace
  resource_id        = aws_appautoscaling_target.this[local.public].resource_id
  scalable_dimension = aws_appautoscaling_target.this[local.public].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.requests_per_target
    scale_out_cooldown = 60
    scale_in_cooldown  = 300

    predefined_metric_specification {
      predefined_metric_type = "ALBRequestCountPerTarget"
      resource_label         = "${var.alb_arn_suffix}/${var.target_group_arn_suffix}"
    }
  }
}
