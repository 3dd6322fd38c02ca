import { isRouteErrorResponse, Link, useRouteError } from 'react-router-dom';

export function RouteError() {
  const e = useRouteError();
  const text = isRouteErrorResponse(e) ? `${e.status} ${e.statusText}` : e instanceof Error ? e.message : String(e);
  return (
    <div className="page" role="alert">
      <h1>Something went wrong</h1>
      <p>{text}</p>
      <Link to="/notebooks">Back to notebooks</Link>
    </div>
  );
}
