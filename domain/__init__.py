"""The bank's rules, shared by every stage that needs them: money maths, risk levels and
suitability, the risk questionnaire, pre-approval, high-risk operations, compensation, disclosures,
task sets and text normalisation. Pure: no Faust, Kafka, Neo4j, settings or clock; imports no stage."""
