COMMENT ON SCHEMA public IS 'old';
