output "vpc_id" {
  description = "The VPC's id."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "The VPC's IPv4 range (the load balancer's addresses are in it: TRUSTED_PROXIES)."
  value       = aws_vpc.this.cidr_block
}

output "availability_zones" {
  description = "The availability zones the subnets span, in subnet order."
  value       = local.azs
}

output "public_subnet_ids" {
  description = "Public subnets (ALB, NAT gateways), one per AZ."
  value       = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  description = "Private subnets (Fargate tasks, Redis), one per AZ."
  value       = aws_subnet.private[*].id
}

output "private_route_table_ids" {
  description = "Route tables of the private subnets."
  value       = aws_route_table.private[*].id
}

output "nat_public_ips" {
  description = "Addresses the tasks' outbound traffic leaves from (allow-list them at MongoDB Atlas)."
  value       = aws_eip.nat[*].public_ip
}
