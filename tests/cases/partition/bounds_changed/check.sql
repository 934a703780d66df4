SELECT 1/(count(*) = 1)::int FROM m_2024 WHERE id = 1;
