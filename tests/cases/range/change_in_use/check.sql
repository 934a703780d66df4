DO $$ BEGIN
  IF (SELECT count(*) FROM reading WHERE span = '[1,2)' AND spans = '{[1,2),[3,4)}') <> 1 THEN
    RAISE EXCEPTION 'the row was not kept';
  END IF;
END $$;
