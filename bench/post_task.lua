-- wrk script: POST /task with a small params object. The API key comes from DDA_BENCH_KEY.
wrk.method = "POST"
wrk.path = "/task"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = os.getenv("DDA_BENCH_KEY")
wrk.body = '{"operation_code":100,"params":{"n":1}}'
