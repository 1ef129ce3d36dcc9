# Optional: MongoDB Atlas for Parley (project, replica-set cluster, database user, IP access list). The
# provider takes its API keys from MONGODB_ATLAS_PUBLIC_KEY and MONGODB_ATLAS_PRIVATE_KEY.

resource "mongodbatlas_project" "this" {
  name   = var.project_name
  org_id = var.org_id
}

resource "mongodbatlas_advanced_cluster" "this" {
  project_id                     = mongodbatlas_project.this.id
  name                           = var.cluster_name
  cluster_type                   = "REPLICASET"
  mongo_db_major_version         = var.mongodb_major_version
  backup_enabled                 = true
  pit_enabled                    = true # point-in-time restores of chat history
  termination_protection_enabled = true

  replication_specs {
    region_configs {
      provider_name = "AWS"
      region_name   = var.region
      priority      = 7

      # Three members across the region's AZs: a replica set survives one of them.
      electable_specs {
        instance_size = var.instance_size
        node_count    = 3
      }
    }
  }

  advanced_configuration {
    minimum_enabled_tls_protocol = "TLS1_2"
    javascript_enabled           = false
  }

  dynamic "tags" {
    for_each = var.tags

    content {
      key   = tags.key
      value = tags.value
    }
  }
}

resource "random_password" "user" {
  length  = 40
  special = false # the password goes into a URI unescaped
}

resource "mongodbatlas_database_user" "parley" {
  project_id         = mongodbatlas_project.this.id
  username           = "parley"
  password           = random_password.user.result
  auth_database_name = "admin"

  roles {
    role_name     = "readWrite"
    database_name = var.database_name
  }

  scopes {
    name = mongodbatlas_advanced_cluster.this.name
    type = "CLUSTER"
  }
}

# count, not for_each: the NAT addresses are only known once they are allocated.
resource "mongodbatlas_project_ip_access_list" "this" {
  count = length(var.access_cidrs)

  project_id = mongodbatlas_project.this.id
  cidr_block = var.access_cidrs[count.index]
  comment    = "Parley NAT gateway"
}

locals {
  srv = mongodbatlas_advanced_cluster.this.connection_strings[0].standard_srv
}
