FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY geo ./geo
COPY api ./api
COPY maps ./maps
COPY seed ./seed
COPY yizhan ./yizhan
COPY membership ./membership
COPY officers ./officers
COPY ogc ./ogc
COPY visits ./visits
RUN pip install --no-cache-dir . && useradd --system yizhan
USER yizhan
EXPOSE 8000
CMD ["yizhan", "serve", "--host", "0.0.0.0", "--port", "8000"]
