DO $$ BEGIN
  IF (SELECT count(*) FROM person WHERE m::text IN ('sad', 'happy')) <> 2 THEN RAISE EXCEPTION 'rows lost'; END IF;
END $$;
