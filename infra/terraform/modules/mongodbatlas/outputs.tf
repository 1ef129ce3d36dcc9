output "connection_string" {
  description = "MONGO_URI: the cluster's SRV address with the Parley user's credentials and database."
  value       = "${replace(local.srv, "mongodb+srv://", "mongodb+srv://${mongodbatlas_database_user.parley.username}:${random_password.user.result}@")}/${var.database_name}?retryWrites=true&w=majority"
  sensitive   = true
}

output "project_id" {
  description = "The Atlas project's id."
  value       = mongodbatlas_project.this.id
}

output "cluster_name" {
  description = "The cluster's name."
  value       = mongodbatlas_advanced_cluster.this.name
}
