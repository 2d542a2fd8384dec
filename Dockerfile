# The Untact image: the web server and the analysis worker run from it with different commands.
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 curl \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY server ./server
COPY media ./media
COPY analysis ./analysis
COPY web ./web
RUN pip install --no-cache-dir .

ENV UNTACT_HOST=0.0.0.0 UNTACT_PORT=8000 UNTACT_DATA_DIR=/data
EXPOSE 8000
CMD ["untact", "serve"]
