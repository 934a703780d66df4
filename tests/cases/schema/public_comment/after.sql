COMMENT ON SCHEMA public IS 'main';
