DO $$ BEGIN
  IF (SELECT count(*) FROM app.child) <> 2 OR (SELECT count(*) FROM app.other) <> 1 THEN
    RAISE EXCEPTION 'rows lost';
  END IF;
END $$;
