# The web app (a single-page app in a private bucket) and user media (a private bucket browsers upload to
# with presigned PUTs), each served by CloudFront through Origin Access Control. The web app calls the API on
# its own origin: the web distribution sends /api/*, /socket.io/* and /media/* to the load balancer.

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_cloudfront_cache_policy" "optimized" {
  name = "Managed-CachingOptimized"
}

# The API's answers are per user and live (Socket.IO, presigned URLs): never cached at the edge.
# Id 4135ea2d-6df8-44a3-9df3-4b5a84be39ad.
data "aws_cloudfront_cache_policy" "disabled" {
  name = "Managed-CachingDisabled"
}

# Every viewer header (Authorization, Cookie, Origin, Sec-WebSocket-*), cookie and query string goes to the
# load balancer, except Host: CloudFront sends the origin's own name (api.<domain>), the name the load
# balancer's certificate covers. Id b689b0a8-53d0-40ab-baf2-68738e2966ac.
data "aws_cloudfront_origin_request_policy" "all_viewer_except_host" {
  name = "Managed-AllViewerExceptHostHeader"
}

locals {
  account_id   = data.aws_caller_identity.current.account_id
  web_domain   = "${var.web_subdomain}.${var.domain_name}"
  media_domain = "${var.media_subdomain}.${var.domain_name}"
  web_origin   = "https://${local.web_domain}"
  media_origin = "https://${local.media_domain}"
  cors_origins = concat([local.web_origin], var.extra_cors_origins)

  buckets = {
    web   = "${var.name}-web-${local.account_id}"
    media = "${var.name}-media-${local.account_id}"
  }

  # Presigned uploads go straight to the bucket's virtual-hosted endpoint.
  media_upload_origin = "https://${local.buckets.media}.s3.${data.aws_region.current.name}.amazonaws.com"
  api_host            = trimprefix(var.api_origin, "https://")

  default_csp = join("; ", [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob: ${local.media_origin}",
    "media-src 'self' blob: ${local.media_origin}",
    "font-src 'self' data:",
    "connect-src 'self' ${var.api_origin} wss://${local.api_host} ${local.media_upload_origin} ${local.media_origin}",
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ])
}

# --- Encryption ---------------------------------------------------------------------------------------------

resource "aws_kms_key" "buckets" {
  description             = "${var.name}: web and media buckets"
  enable_key_rotation     = true
  deletion_window_in_days = 30

  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministers"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        # Origin Access Control reads SSE-KMS objects only if CloudFront may decrypt them.
        Sid       = "CloudFrontDecryptsForTheseDistributions"
        Effect    = "Allow"
        Principal = { Service = "cloudfront.amazonaws.com" }
        Action    = ["kms:Decrypt"]
        Resource  = "*"
        Condition = {
          StringEquals = {
            "aws:SourceArn" = [aws_cloudfront_distribution.web.arn, aws_cloudfront_distribution.media.arn]
          }
        }
      },
    ]
  })

  tags = var.tags
}

resource "aws_kms_alias" "buckets" {
  name          = "alias/${var.name}-buckets"
  target_key_id = aws_kms_key.buckets.key_id
}

# --- Buckets --------------------------------------------------------------------------------------------------

module "logs" {
  source = "../s3_log_bucket"

  bucket_name                      = "${var.name}-cdn-logs-${local.account_id}"
  acl_log_delivery                 = true
  s3_access_log_source_bucket_arns = [for name in values(local.buckets) : "arn:aws:s3:::${name}"]
  expiration_days                  = var.log_expiration_days
  force_destroy                    = var.force_destroy
  tags                             = var.tags
}

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_144:Single-region by design: the web bucket is rebuilt from CI on every deploy, and media keep 30 days of versions against deletes; a replica region would double storage for no failover path (CloudFront has one origin).
  #checkov:skip=CKV2_AWS_62:Nothing consumes object events: Parley checks an upload with HEAD when a message attaches it.
  for_each = local.buckets

  bucket        = each.value
  force_destroy = var.force_destroy

  tags = merge(var.tags, { Name = each.value })
}

resource "aws_s3_bucket_ownership_controls" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.buckets.arn
    }
    bucket_key_enabled = true # one data key per bucket and time window instead of a KMS call per object
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id

  rule {
    id     = "expire-old-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_days
    }

    # A presigned upload the browser abandoned half-way.
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_logging" "this" {
  for_each = aws_s3_bucket.this

  bucket        = each.value.id
  target_bucket = module.logs.bucket_id
  target_prefix = "s3/${each.key}/"
}

# Browsers upload media straight to S3 with presigned PUTs (Content-Type and Content-Length are signed) and
# read it back; only the web app's origins may.
resource "aws_s3_bucket_cors_configuration" "media" {
  bucket = aws_s3_bucket.this["media"].id

  cors_rule {
    allowed_methods = ["PUT"]
    allowed_origins = local.cors_origins
    allowed_headers = ["Content-Type", "Content-Length"]
    expose_headers  = ["ETag"]
    max_age_seconds = 3600
  }

  cors_rule {
    allowed_methods = ["GET", "HEAD"]
    allowed_origins = local.cors_origins
    max_age_seconds = 3600
  }
}

data "aws_iam_policy_document" "bucket" {
  for_each = local.buckets

  statement {
    sid       = "CloudFrontReads"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.this[each.key].arn}/*"]

    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = [each.key == "web" ? aws_cloudfront_distribution.web.arn : aws_cloudfront_distribution.media.arn]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [
      aws_s3_bucket.this[each.key].arn,
      "${aws_s3_bucket.this[each.key].arn}/*",
    ]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id
  policy = data.aws_iam_policy_document.bucket[each.key].json

  depends_on = [aws_s3_bucket_public_access_block.this]
}

# --- Certificate (us-east-1) ----------------------------------------------------------------------------------

resource "aws_acm_certificate" "cdn" {
  provider = aws.us_east_1

  domain_name               = local.web_domain
  subject_alternative_names = [local.media_domain]
  validation_method         = "DNS"

  tags = merge(var.tags, { Name = local.web_domain })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_acm_certificate_validation" "cdn" {
  provider = aws.us_east_1

  certificate_arn         = aws_acm_certificate.cdn.arn
  validation_record_fqdns = var.certificate_validation_record_fqdns
}

# --- CloudFront -----------------------------------------------------------------------------------------------

resource "aws_cloudfront_origin_access_control" "this" {
  name                              = "${var.name}-s3"
  description                       = "CloudFront signs its requests to ${var.name}'s buckets"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

resource "aws_cloudfront_response_headers_policy" "web" {
  name    = "${var.name}-web-security-headers"
  comment = "Security headers of the web app"

  security_headers_config {
    strict_transport_security {
      access_control_max_age_sec = 63072000
      include_subdomains         = true
      preload                    = true
      override                   = true
    }

    content_type_options {
      override = true
    }

    frame_options {
      frame_option = "DENY"
      override     = true
    }

    referrer_policy {
      referrer_policy = "strict-origin-when-cross-origin"
      override        = true
    }

    xss_protection {
      # Browsers' XSS auditors are gone or harmful; the CSP does this job.
      protection = false
      override   = true
    }

    content_security_policy {
      content_security_policy = coalesce(var.content_security_policy, local.default_csp)
      override                = true
    }
  }
}

resource "aws_cloudfront_response_headers_policy" "media" {
  name    = "${var.name}-media-headers"
  comment = "Security and CORS headers of user media"

  cors_config {
    access_control_allow_credentials = false
    origin_override                  = true

    access_control_allow_headers {
      items = ["*"]
    }

    access_control_allow_methods {
      items = ["GET", "HEAD"]
    }

    access_control_allow_origins {
      items = local.cors_origins
    }

    access_control_max_age_sec = 3600
  }

  security_headers_config {
    strict_transport_security {
      access_control_max_age_sec = 63072000
      include_subdomains         = true
      preload                    = true
      override                   = true
    }

    content_type_options {
      override = true
    }

    frame_options {
      frame_option = "DENY"
      override     = true
    }

    referrer_policy {
      referrer_policy = "no-referrer"
      override        = true
    }

    # User uploads never run as a document (an uploaded HTML or SVG file cannot script the media origin).
    content_security_policy {
      content_security_policy = "default-src 'none'; sandbox"
      override                = true
    }
  }
}

# Single-page app routing. Custom error responses (403/404 -> /index.html) would apply to every behavior of the
# distribution, the API's too, and turn its 403s and 404s into a 200 with the app's HTML; a viewer-request
# function on the default (S3) behavior rewrites the app's routes to /index.html before S3 is asked instead, and
# leaves the API's answers alone (spa-routing.js).
resource "aws_cloudfront_function" "spa_routing" {
  name    = "${var.name}-spa-routing"
  runtime = "cloudfront-js-2.0"
  comment = "${var.name}: the web app's routes get /index.html"
  publish = true
  code    = file("${path.module}/spa-routing.js")
}

resource "aws_cloudfront_distribution" "web" {
  #checkov:skip=CKV2_AWS_47:The web ACL (var.web_acl_arn, the waf module) runs AWSManagedRulesKnownBadInputsRuleSet, which blocks Log4j payloads (CKV_AWS_192 passes on it); checkov's graph does not follow the ARN across modules.
  #checkov:skip=CKV_AWS_310:An origin group fails over GET, HEAD and OPTIONS only, so it cannot cover the API's writes and WebSockets; the load balancer spans every AZ of the VPC, and a replica of the web bucket would have to be kept in sync by every deploy.
  #checkov:skip=CKV_AWS_374:A chat service is for every country; no geo restriction is intended.
  enabled             = true
  is_ipv6_enabled     = true
  http_version        = "http2and3"
  comment             = "${var.name} web app"
  aliases             = [local.web_domain]
  default_root_object = "index.html"
  price_class         = var.price_class
  web_acl_id          = var.web_acl_arn

  origin {
    origin_id                = "web"
    domain_name              = aws_s3_bucket.this["web"].bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.this.id
  }

  # The load balancer, by the name its certificate covers (CloudFront checks the origin's certificate against it).
  origin {
    origin_id   = "api"
    domain_name = var.api_origin_domain_name

    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
      # Socket.IO's long-polling holds a request up to its ping interval (25 s): 60 s (the most without a quota
      # increase) leaves room. CloudFront drops idle connections to the origin before the load balancer (300 s).
      origin_read_timeout      = 60
      origin_keepalive_timeout = 60
    }
  }

  default_cache_behavior {
    target_origin_id           = "web"
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD", "OPTIONS"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = data.aws_cloudfront_cache_policy.optimized.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.web.id

    # No custom_error_response on this distribution: see aws_cloudfront_function.spa_routing.
    function_association {
      event_type   = "viewer-request"
      function_arn = aws_cloudfront_function.spa_routing.arn
    }
  }

  # The API, Socket.IO (WebSocket and long-polling) and the gateway's media routes, on the app's own origin.
  ordered_cache_behavior {
    path_pattern               = "/api/*"
    target_origin_id           = "api"
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = data.aws_cloudfront_cache_policy.disabled.id
    origin_request_policy_id   = data.aws_cloudfront_origin_request_policy.all_viewer_except_host.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.web.id
  }

  ordered_cache_behavior {
    path_pattern               = "/socket.io/*"
    target_origin_id           = "api"
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = data.aws_cloudfront_cache_policy.disabled.id
    origin_request_policy_id   = data.aws_cloudfront_origin_request_policy.all_viewer_except_host.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.web.id
  }

  ordered_cache_behavior {
    path_pattern               = "/media/*"
    target_origin_id           = "api"
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = data.aws_cloudfront_cache_policy.disabled.id
    origin_request_policy_id   = data.aws_cloudfront_origin_request_policy.all_viewer_except_host.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.web.id
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    acm_certificate_arn      = aws_acm_certificate_validation.cdn.certificate_arn
    ssl_support_method       = "sni-only"
    minimum_protocol_version = "TLSv1.2_2021"
  }

  logging_config {
    bucket          = module.logs.bucket_domain_name
    prefix          = "cloudfront/web/"
    include_cookies = false
  }

  tags = var.tags

  depends_on = [module.logs]
}

resource "aws_cloudfront_distribution" "media" {
  #checkov:skip=CKV2_AWS_47:The web ACL (var.web_acl_arn, the waf module) runs AWSManagedRulesKnownBadInputsRuleSet, which blocks Log4j payloads (CKV_AWS_192 passes on it); checkov's graph does not follow the ARN across modules.
  #checkov:skip=CKV_AWS_310:Media have one origin, the media bucket; an origin group would need a replica bucket and replication of every upload.
  #checkov:skip=CKV_AWS_374:A chat service is for every country; no geo restriction is intended.
  #checkov:skip=CKV_AWS_305:The media distribution serves object keys only; there is no index document to default to.
  enabled         = true
  is_ipv6_enabled = true
  http_version    = "http2and3"
  comment         = "${var.name} user media"
  aliases         = [local.media_domain]
  price_class     = var.price_class
  web_acl_id      = var.web_acl_arn

  origin {
    origin_id                = "media"
    domain_name              = aws_s3_bucket.this["media"].bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.this.id
  }

  default_cache_behavior {
    target_origin_id           = "media"
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD", "OPTIONS"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = data.aws_cloudfront_cache_policy.optimized.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.media.id
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    acm_certificate_arn      = aws_acm_certificate_validation.cdn.certificate_arn
    ssl_support_method       = "sni-only"
    minimum_protocol_version = "TLSv1.2_2021"
  }

  logging_config {
    bucket          = module.logs.bucket_domain_name
    prefix          = "cloudfront/media/"
    include_cookies = false
  }

  tags = var.tags

  depends_on = [module.logs]
}
