DO $$ BEGIN
  IF (SELECT paid FROM payment WHERE id = 1) <> 150 THEN
    RAISE EXCEPTION 'the row was not kept';
  END IF;
END $$;
