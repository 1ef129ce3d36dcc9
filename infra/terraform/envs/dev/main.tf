# Development: two AZs, one NAT gateway, one Redis node, small tasks, short log retention; buckets and secrets
# may be destroyed with their content.

terraform {
  required_version = ">= 1.6.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
    mongodbatlas = {
      source  = "mongodb/mongodbatlas"
      version = "~> 1.26"
    }
  }

  # The state bucket and lock table are created once per account, outside this configuration; another
  # account's names can be given with `terraform init -backend-config=...`.
  backend "s3" {
    bucket         = "parley-terraform-state"
    key            = "parley/dev/terraform.tfstate"
    region         = "eu-west-1"
    dynamodb_table = "parley-terraform-locks"
    encrypt        = true
  }
}

# On every resource; var.tags go to the resources through the modules' tags.
locals {
  default_tags = {
    Project     = "parley"
    Environment = var.environment
    ManagedBy   = "terraform"
  }
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = local.default_tags
  }
}

# CloudFront's certificate and web ACL must be in us-east-1.
provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"

  default_tags {
    tags = local.default_tags
  }
}

# Reads MONGODB_ATLAS_PUBLIC_KEY and MONGODB_ATLAS_PRIVATE_KEY; used only with enable_atlas.
provider "mongodbatlas" {}

module "parley" {
  source = "../../modules/stack"

  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  environment        = var.environment
  aws_region         = var.aws_region
  domain_name        = var.domain_name
  create_hosted_zone = var.create_hosted_zone

  vpc_cidr           = "10.10.0.0/16"
  az_count           = 2
  single_nat_gateway = true

  image_tag        = var.image_tag
  cpu_architecture = "X86_64"
  services         = {
    gateway       = { cpu = 256, memory = 512, desired_count = 1, min_count = 1, max_count = 2 }
    auth          = { cpu = 256, memory = 512, desired_count = 1, min_count = 1, max_count = 2 }
    users         = { cpu = 256, memory = 512, desired_count = 1, min_count = 1, max_count = 2 }
    chats         = { cpu = 256, memory = 512, desired_count = 1, min_count = 1, max_count = 2 }
    messages      = { cpu = 256, memory = 512, desired_count = 1, min_count = 1, max_count = 2 }
    media         = { cpu = 256, memory = 512, desired_count = 1, min_count = 1, max_count = 2 }
    notifications = { cpu = 256, memory = 512, desired_count = 1, min_count = 1, max_count = 2 }
  }

  redis_node_type               = "cache.t4g.micro"
  redis_num_cache_clusters      = 1
  redis_snapshot_retention_days = 1

  log_retention_days         = 30
  access_log_expiration_days = 90
  log_level                  = "debug"
  alarm_emails               = var.alarm_emails

  mongodb_uri  = var.mongodb_uri
  enable_atlas = var.enable_atlas
  atlas_org_id = var.atlas_org_id
  atlas_region = upper(replace(var.aws_region, "-", "_"))

  vapid_public_key  = var.vapid_public_key
  vapid_private_key = var.vapid_private_key
  vapid_subject     = var.vapid_subject

  extra_cors_origins = ["http://localhost:5173"]
  ecr_keep_images    = 15
  force_destroy      = true

  tags = var.tags
}
