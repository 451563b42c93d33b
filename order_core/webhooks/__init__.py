"""PRM webhook endpoints: per partner, the URL its ``prm.webhook`` events are POSTed to and the signing secret."""
