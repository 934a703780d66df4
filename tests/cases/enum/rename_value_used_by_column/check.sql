DO $$ BEGIN
  IF (SELECT count(*) FROM person) <> 2 THEN RAISE EXCEPTION 'rows lost'; END IF;
END $$;
