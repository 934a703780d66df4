CREATE EXTENSION pgcrypto;
COMMENT ON EXTENSION pgcrypto IS 'crypto';
