#!/bin/sh
# One-shot (minio-init service, MinIO's image has mc): create the PDF cache bucket, a portal key
# that may only use that bucket, and anonymous GET limited to nginx's fixed address, so nginx can
# serve a PDF after Django's X-Accel-Redirect without holding any key. Safe to run again.
set -eu

mc alias set local http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null
mc mb --ignore-existing "local/$MINIO_BUCKET"

cat >/tmp/nginx-read.json <<JSON
{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": {"AWS": ["*"]},
    "Action": ["s3:GetObject"],
    "Resource": ["arn:aws:s3:::$MINIO_BUCKET/*"],
    "Condition": {"IpAddress": {"aws:SourceIp": ["$NGINX_IP/32"]}}
  }]
}
JSON
mc anonymous set-json /tmp/nginx-read.json "local/$MINIO_BUCKET"

cat >/tmp/portal-policy.json <<JSON
{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
     "Resource": ["arn:aws:s3:::$MINIO_BUCKET"]},
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
     "Resource": ["arn:aws:s3:::$MINIO_BUCKET/*"]}
  ]
}
JSON
mc admin policy create local portal-reports /tmp/portal-policy.json
mc admin user add local "$PORTAL_S3_ACCESS_KEY" "$PORTAL_S3_SECRET_KEY"
mc admin policy attach local portal-reports --user "$PORTAL_S3_ACCESS_KEY" 2>/dev/null \
    || echo "Policy portal-reports is already attached to the portal key."
echo "Bucket $MINIO_BUCKET ready."
