DO $$ BEGIN
  IF (SELECT moods::text FROM diary WHERE id = 1) <> '{sad,happy}' THEN RAISE EXCEPTION 'array lost'; END IF;
END $$;
