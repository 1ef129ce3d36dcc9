# Everything one Parley environment runs. The environments (envs/dev, staging, prod) call this module with
# their own sizes, so that staging cannot drift from prod in shape, only in size.

data "aws_caller_identity" "current" {}

locals {
  name       = "parley-${var.environment}"
  account_id = data.aws_caller_identity.current.account_id

  web_subdomain   = "chat"
  media_subdomain = "media"
  web_domain      = "${local.web_subdomain}.${var.domain_name}"
  media_domain    = "${local.media_subdomain}.${var.domain_name}"
  api_domain      = "api.${var.domain_name}"

  # WebSockets idle up to this long at the load balancer; Parley's own keep-alive outlasts it, so that the
  # load balancer never reuses a connection the gateway has just closed (502s).
  alb_idle_timeout = 300

  # Only the media service presigns uploads and checks them with HEAD.
  media_services = ["media"]
  services       = { for name, s in var.services : name => merge(s, { media_access = contains(local.media_services, name) }) }

  # Project and Environment come from the provider's default_tags.
  tags = var.tags
}

# --- Network ------------------------------------------------------------------------------------------------

module "vpc" {
  source = "../vpc"

  name                    = local.name
  cidr_block              = var.vpc_cidr
  az_count                = var.az_count
  single_nat_gateway      = var.single_nat_gateway
  flow_log_retention_days = var.log_retention_days
  log_kms_key_arn         = module.observability.kms_key_arn
  tags                    = local.tags
}

module "security_groups" {
  source = "../security_groups"

  name          = local.name
  vpc_id        = module.vpc.vpc_id
  mongodb_cidrs = var.mongodb_cidrs
  tags          = local.tags
}

# --- Edge: WAF, load balancer, CloudFront, DNS --------------------------------------------------------------

module "waf_alb" {
  source = "../waf"

  name               = "${local.name}-alb"
  scope              = "REGIONAL"
  rate_limit         = var.waf_rate_limit
  log_retention_days = var.log_retention_days
  tags               = local.tags
}

module "waf_cdn" {
  source = "../waf"

  # CloudFront web ACLs live in us-east-1.
  providers = {
    aws = aws.us_east_1
  }

  name               = "${local.name}-cdn"
  scope              = "CLOUDFRONT"
  rate_limit         = var.waf_rate_limit
  log_retention_days = var.log_retention_days
  tags               = local.tags
}

module "alb" {
  source = "../alb"

  name                                = local.name
  vpc_id                              = module.vpc.vpc_id
  public_subnet_ids                   = module.vpc.public_subnet_ids
  security_group_id                   = module.security_groups.alb_security_group_id
  api_domain_name                     = local.api_domain
  certificate_validation_record_fqdns = [module.dns.validation_record_fqdns[local.api_domain]]
  idle_timeout                        = local.alb_idle_timeout
  deletion_protection                 = var.deletion_protection
  access_log_bucket_name              = "${local.name}-alb-logs-${local.account_id}"
  access_log_expiration_days          = var.access_log_expiration_days
  force_destroy_logs                  = var.force_destroy
  web_acl_arn                         = module.waf_alb.web_acl_arn
  tags                                = local.tags
}

module "cdn" {
  source = "../s3_cloudfront"

  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  name                                = local.name
  domain_name                         = var.domain_name
  web_subdomain                       = local.web_subdomain
  media_subdomain                     = local.media_subdomain
  api_origin                          = "https://${local.api_domain}"
  api_origin_domain_name              = module.alb.api_domain_name
  certificate_validation_record_fqdns = [
    module.dns.validation_record_fqdns[local.web_domain],
    module.dns.validation_record_fqdns[local.media_domain],
  ]
  web_acl_arn         = module.waf_cdn.web_acl_arn
  extra_cors_origins  = var.extra_cors_origins
  log_expiration_days = var.access_log_expiration_days
  force_destroy       = var.force_destroy
  tags                = local.tags
}

module "dns" {
  source = "../route53"

  domain_name = var.domain_name
  create_zone = var.create_hosted_zone

  alias_records = {
    (local.web_subdomain) = {
      target_dns_name = module.cdn.web_distribution_domain_name
      target_zone_id  = module.cdn.distribution_hosted_zone_id
      ipv6            = true
    }
    (local.media_subdomain) = {
      target_dns_name = module.cdn.media_distribution_domain_name
      target_zone_id  = module.cdn.distribution_hosted_zone_id
      ipv6            = true
    }
    api = {
      target_dns_name = module.alb.dns_name
      target_zone_id  = module.alb.zone_id
    }
  }

  certificate_validation_options = concat(module.alb.certificate_validation_options, module.cdn.certificate_validation_options)
  tags                           = local.tags
}

# --- Data ---------------------------------------------------------------------------------------------------

module "atlas" {
  source = "../mongodbatlas"
  count  = var.enable_atlas ? 1 : 0

  org_id        = var.atlas_org_id
  project_name  = local.name
  region        = var.atlas_region
  instance_size = var.atlas_instance_size
  access_cidrs  = [for ip in module.vpc.nat_public_ips : "${ip}/32"]
  tags          = local.tags
}

module "secrets" {
  source = "../secrets"

  name                 = local.name
  mongodb_uri          = var.enable_atlas ? one(module.atlas[*].connection_string) : var.mongodb_uri
  vapid_private_key    = var.vapid_private_key
  vapid_public_key     = var.vapid_public_key
  vapid_subject        = var.vapid_subject
  redis_endpoint       = module.elasticache.primary_endpoint_address
  redis_port           = module.elasticache.port
  allowed_origins      = [module.cdn.web_url]
  public_url           = "https://${local.api_domain}"
  s3_bucket            = module.cdn.media_bucket_name
  s3_region            = var.aws_region
  media_base_url       = module.cdn.media_base_url
  recovery_window_days = var.force_destroy ? 0 : 30
  tags                 = local.tags
}

module "elasticache" {
  source = "../elasticache"

  name                     = local.name
  vpc_id                   = module.vpc.vpc_id
  subnet_ids               = module.vpc.private_subnet_ids
  client_security_group_id = module.security_groups.tasks_security_group_id
  node_type                = var.redis_node_type
  num_cache_clusters       = var.redis_num_cache_clusters
  auth_token               = module.secrets.redis_auth_token
  snapshot_retention_days  = var.redis_snapshot_retention_days
  tags                     = local.tags
}

# --- Compute ------------------------------------------------------------------------------------------------

module "ecr" {
  source = "../ecr"

  name             = local.name
  keep_last_images = var.ecr_keep_images
  tags             = local.tags
}

module "ecs" {
  source = "../ecs"

  name                    = local.name
  aws_region              = var.aws_region
  vpc_id                  = module.vpc.vpc_id
  private_subnet_ids      = module.vpc.private_subnet_ids
  tasks_security_group_id = module.security_groups.tasks_security_group_id
  image_repository_url    = module.ecr.repository_urls["parley"]
  image_repository_arn    = module.ecr.repository_arns["parley"]
  image_tag               = var.image_tag
  cpu_architecture        = var.cpu_architecture
  services                = local.services
  target_group_arn        = module.alb.target_group_arn
  alb_arn_suffix          = module.alb.arn_suffix
  target_group_arn_suffix = module.alb.target_group_arn_suffix
  secret_arns             = module.secrets.container_secret_arns
  parameter_arns          = module.secrets.container_parameter_arns
  secrets_kms_key_arn     = module.secrets.kms_key_arn
  media_bucket_arn        = module.cdn.media_bucket_arn
  media_kms_key_arn       = module.cdn.kms_key_arn
  log_group_names         = module.observability.log_group_names
  log_group_arns          = module.observability.log_group_arns
  exec_log_group_name     = module.observability.ecs_exec_log_group_name
  log_kms_key_arn         = module.observability.kms_key_arn

  environment = {
    LOG_LEVEL = var.log_level
    # The load balancer's addresses are in the VPC: X-Forwarded-For is believed from there only.
    TRUSTED_PROXIES   = module.vpc.vpc_cidr_block
    HTTP_IDLE_TIMEOUT = tostring(local.alb_idle_timeout + 10)
  }

  tags = local.tags
}

# --- Observability ------------------------------------------------------------------------------------------

module "observability" {
  source = "../observability"

  name                       = local.name
  service_names              = keys(var.services)
  log_retention_days         = var.log_retention_days
  alarm_emails               = var.alarm_emails
  alb_arn_suffix             = module.alb.arn_suffix
  target_group_arn_suffix    = module.alb.target_group_arn_suffix
  ecs_cluster_name           = module.ecs.cluster_name
  ecs_service_names          = module.ecs.service_names
  redis_replication_group_id = module.elasticache.replication_group_id
  redis_num_cache_clusters   = var.redis_num_cache_clusters
  tags                       = local.tags
}
