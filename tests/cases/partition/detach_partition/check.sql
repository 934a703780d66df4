SELECT 1/(count(*) = 1)::int FROM m_2023 WHERE id = 1;
