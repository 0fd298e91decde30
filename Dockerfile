FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml ./
COPY . .
RUN pip install --no-cache-dir .
ENV DJANGO_SETTINGS_MODULE=config.settings
EXPOSE 8000
