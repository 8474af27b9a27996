-- A proposal writes one spend_inputs row per input. Its outpoint index duplicated the unique partial index of
-- live holders (every look-up by outpoint asks for the live holder): one index entry fewer per input.
DROP INDEX "spend_inputs_outpoint_idx";
