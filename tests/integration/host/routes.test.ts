import { compileRoute, RouteTemplateError } from '../../../packages/emulators/functions';

describe('ASP.NET route templates', () => {
  it('matches literals case-insensitively and extracts parameters', () => {
    const route = compileRoute('api', 'users/{userId}/orders/{orderId}');
    expect(route.match('/API/Users/u1/ORDERS/o%202')).toEqual({ userId: 'u1', orderId: 'o 2' });
    expect(route.match('/api/users/u1/orders')).toBeUndefined();
    expect(route.match('/api/users/u1/orders/o2/extra')).toBeUndefined();
  });

  it('supports optional parameters, defaults and catch-alls', () => {
    expect(compileRoute('api', 'a/{b?}').match('/api/a')).toEqual({});
    expect(compileRoute('api', 'a/{b=fallback}').match('/api/a')).toEqual({ b: 'fallback' });
    expect(compileRoute('', 'files/{**path}').match('/files/x/y%20z')).toEqual({ path: 'x/y z' });
  });

  it('applies constraints', () => {
    const route = compileRoute('api', 'v/{n:int}/{flag:bool}/{name:alpha:minlength(2)}');
    expect(route.match('/api/v/-3/TRUE/ab')).toEqual({ n: '-3', flag: 'TRUE', name: 'ab' });
    expect(route.match('/api/v/x/true/ab')).toBeUndefined();
    expect(route.match('/api/v/1/true/a')).toBeUndefined();
    expect(compileRoute('api', 'r/{n:range(1,5)}').match('/api/r/6')).toBeUndefined();
    expect(compileRoute('api', 'g/{id:guid}').match('/api/g/0f8fad5b-d9cb-469f-a165-70867728950e')).toEqual({
      id: '0f8fad5b-d9cb-469f-a165-70867728950e',
    });
  });

  it('rejects bad templates with the reason', () => {
    expect(() => compileRoute('api', 'a/{x:nope}')).toThrow(RouteTemplateError);
    expect(() => compileRoute('api', 'a/{*rest}/b')).toThrow(/catch-all parameter must be the last segment/);
  });
});
