"""google-cloud-aiplatform scripts: training job, deploy, online and batch prediction, local batch."""
