// The contract as the migration-system redesign writes it: reconcile reads
// this constant as it is (its object literal is YAML), the tables at the
// top level, each with required and optional columns.
const COMPLETE_REQUIRED_SCHEMA = {
  users: {
    required: ['id', 'email', 'first_name', 'last_name', 'created_at'],
    optional: ['password', 'password_hash', 'profile_image_url', 'is_active']
  },
  projects: {
    required: ['id', 'user_id', 'name', 'type', 'status', 'created_at'],
    optional: ['description', 'template', 'platform', 'tags', 'metadata']
  },
  content: {
    required: ['id', 'user_id', 'title', 'platform', 'content_type', 'status', 'created_at'],
    optional: ['description', 'script', 'published_at', 'thumbnail_url', 'video_url', 'tags', 'metadata', 'ai_generated']
  },
  content_metrics: {
    required: ['id', 'content_id', 'platform', 'created_at'],
    optional: ['views', 'likes', 'comments', 'shares', 'engagement_rate', 'revenue']
  },
  post_schedules: {
    required: ['id', 'platform', 'scheduled_at', 'status', 'created_at'],
    optional: ['social_post_id', 'retry_count', 'error_message', 'metadata']
  }
};
