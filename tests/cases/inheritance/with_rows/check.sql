DO $$ BEGIN
  IF (SELECT count(*) FROM parent) <> 2 THEN RAISE EXCEPTION 'rows lost'; END IF;
END $$;
