// CloudFront Function (cloudfront-js-2.0), viewer request of the web distribution's default (S3) behavior only.
//
// Single-page app routing: a path whose last segment has no dot is one of the app's routes (/login,
// /chats/6650c0ffee), not a file, and gets /index.html so that the app's router takes over on a deep link or a
// reload. Files (/sw.js, /manifest.webmanifest, /assets/index-3f2a.js) pass as they are, and anything under
// /assets/ is a file: a missing bundle must fail, never become index.html. The /api/*, /socket.io/* and
// /media/* behaviors (the load balancer) do not run this function, so the API's own 403s and 404s reach the app.
function handler(event) {
    var request = event.request;
    var uri = request.uri;
    var last = uri.substring(uri.lastIndexOf('/') + 1);
    if (last.indexOf('.') === -1 && uri.indexOf('/assets/') !== 0) {
        request.uri = '/index.html';
    }
    return request;
}
