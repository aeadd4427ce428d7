#!/usr/bin/env bash
# Configures the R2 lifecycle rules of the video bucket (run once per deployment; needs a Cloudflare login).
#   videos/          finished videos: deleted after VIDEO_RETENTION (30 days by default; keep the two in step)
#   requests/        vendor requests kept for the workflow's submit step: 7 days
#   ingest-staging/  partial copies and unfinished multipart uploads of crashed ingest attempts: 1 day
set -euo pipefail
BUCKET="${1:-video-gateway-videos}"
DAYS="${VIDEO_RETENTION_DAYS:-30}"
npx wrangler r2 bucket lifecycle add "$BUCKET" expire-videos videos/ --expire-days "$DAYS" --force
npx wrangler r2 bucket lifecycle add "$BUCKET" expire-requests requests/ --expire-days 7 --force
npx wrangler r2 bucket lifecycle add "$BUCKET" expire-staging ingest-staging/ --expire-days 1 --abort-multipart-days 1 --force
